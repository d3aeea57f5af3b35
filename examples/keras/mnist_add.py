# A Sequential built with model.add in a loop, Keras-2 style: input_shape on the first layer,
# separate BatchNormalization and Activation layers, module-level constants.
import keras
from keras import layers

NUM_CLASSES = 10
WIDTHS = [32, 64]

model = keras.Sequential(name="mnist_convnet")
model.add(layers.Conv2D(16, (3, 3), padding="same", input_shape=(28, 28, 1)))
for width in WIDTHS:
    model.add(layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.Activation("relu"))
model.add(layers.AveragePooling2D(2, padding="same"))
model.add(layers.Flatten())
model.add(layers.Dropout(rate=0.25))
model.add(layers.Dense(NUM_CLASSES * 2, activation="relu"))
model.add(layers.Dense(NUM_CLASSES, activation="softmax"))
model.summary()
